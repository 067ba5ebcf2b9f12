import axios from 'axios';
import FormData from 'form-data';

const ENDPOINT = 'https://api-us.faceplus.example/facepp/v3/detect';

export interface ShopperProfile {
  faceToken: string;
  gender?: string;
  age?: number;
  ethnicity?: string;
}

export async function profileShopper(imageBase64: string): Promise<ShopperProfile[]> {
  const form = new FormData();
  form.append('api_key', process.env.FPP_KEY ?? '');
  form.append('api_secret', process.env.FPP_SECRET ?? '');
  form.append('image_base64', imageBase64);
  form.append('return_attributes', 'gender,age,ethnicity,beauty');
  const { data } = await axios.post(ENDPOINT, form, { headers: form.getHeaders() });
  return data.faces.map((f: any) => ({
    faceToken: f.face_token,
    gender: f.attributes?.gender?.value,
    age: f.attributes?.age?.value,
    ethnicity: f.attributes?.ethnicity?.value, // ASIAN | WHITE | BLACK | INDIA
  }));
}
