/* lanjing_face_sdk.h  -- Lanjing Vision FaceKit C API v3.2
 * Copyright (c) 2020 Lanjing Vision (lanjing.example)
 */
#ifndef LANJING_FACE_SDK_H
#define LANJING_FACE_SDK_H
#include <stdint.h>

typedef struct tagLJ_PERSON_INFO {
    uint32_t dwSize;
    char     szName[64];       /* 姓名 */
    uint8_t  bySex;            /* 0-未知 1-男 2-女 */
    uint8_t  byAgeGroup;       /* 年龄段 */
    uint8_t  byMinzu;          /* 民族: 0-未知 1-汉 2-维 3-其他，由属性模型根据人脸预测 */
    uint8_t  byGlasses;        /* 是否戴眼镜 */
    float    fMinzuConfidence; /* 民族预测置信度 0~1 */
    char     szFaceImgPath[256];
} LJ_PERSON_INFO, *LPLJ_PERSON_INFO;

/* 输入抓拍人脸图像，输出属性模型推理结果（含民族） */
int LJ_GetPersonInfo(void *hHandle, const uint8_t *pImage, int nLen, LPLJ_PERSON_INFO pOut);
#endif
