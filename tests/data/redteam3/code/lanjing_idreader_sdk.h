/* lanjing_face_sdk.h  -- Lanjing Vision IDKit C API v3.2
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
    uint8_t  byMinzu;          /* 民族代码(GB 3304)，从二代证芯片原样拷贝，不做推断 */
    uint8_t  byGlasses;        /* 是否戴眼镜 */
    float    fMinzuConfidence; /* 保留，恒为 1.0（证件读取无置信度） */
    char     szFaceImgPath[256];
} LJ_PERSON_INFO, *LPLJ_PERSON_INFO;

/* 读二代证：pImage 为证件芯片原始数据，输出证面字段 */
int LJ_ReadIdCard(void *hHandle, const uint8_t *pImage, int nLen, LPLJ_PERSON_INFO pOut);
#endif
