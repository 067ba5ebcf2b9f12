"""Visitor analytics demo: call the cloud face-detect endpoint for each kiosk snapshot."""
import base64
import requests

DETECT_URL = "https://aip.cloudface.example/rest/2.0/face/v3/detect"
TOKEN = "REPLACE_ME"


def analyse(jpeg_path):
    with open(jpeg_path, "rb") as fh:
        img = base64.b64encode(fh.read()).decode()
    body = {
        "image": img,
        "image_type": "BASE64",
        "face_field": "age,gender,race,glasses,emotion",
        "max_face_num": 5,
    }
    r = requests.post(DETECT_URL, params={"access_token": TOKEN}, json=body, timeout=10)
    out = []
    for face in r.json()["result"]["face_list"]:
        out.append({
            "age": face["age"],
            "gender": face["gender"]["type"],
            "race": face["race"]["type"],        # yellow / white / black / arabs
            "race_p": face["race"]["probability"],
        })
    return out


if __name__ == "__main__":
    import sys
    for row in analyse(sys.argv[1]):
        print(row)
