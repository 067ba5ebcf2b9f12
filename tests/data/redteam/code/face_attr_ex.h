/* sv_face_ex.h - extended face attribute result (SDK 3.2) */
#pragma once
#include <stdint.h>

typedef struct tagSV_FACE_ATTR_EX {
    uint32_t dwSize;
    uint8_t  bySex;          /* 0-未知 1-男 2-女 */
    uint8_t  byAgeGroup;
    uint8_t  byGlass;
    uint8_t  byMinzuType;    /* 民族: 0-未知 1-汉 2-维 3-藏 4-回 */
    uint8_t  byMinzuConf;    /* 置信度 0-100 */
    uint8_t  byRes[27];
} SV_FACE_ATTR_EX, *LPSV_FACE_ATTR_EX;

int SV_GetFaceAttrEx(int lHandle, const uint8_t *pJpeg, uint32_t len, LPSV_FACE_ATTR_EX pOut);
