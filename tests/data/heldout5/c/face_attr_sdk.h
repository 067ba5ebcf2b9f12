/* hv_face_attr.h  - Heliovis Embedded SDK 4.1 */
#ifndef HV_FACE_ATTR_H
#define HV_FACE_ATTR_H
#include <stdint.h>

typedef enum { HV_RACE_UNKNOWN = 0, HV_RACE_YELLOW = 1, HV_RACE_BLACK = 2, HV_RACE_WHITE = 3 } HV_RACE_E;
typedef enum { HV_SKIN_LIGHT = 1, HV_SKIN_MEDIUM = 2, HV_SKIN_DARK = 3 } HV_SKIN_E;

typedef struct {
    uint8_t  byAge;
    uint8_t  bySex;        /* 1 male 2 female */
    uint8_t  byGlasses;
    HV_RACE_E emRace;      /* 人种 */
    HV_SKIN_E emSkinTone;  /* 肤色 */
    float    fConfidence;
} HV_FACE_ATTR_S;

int HV_FaceAttr_Analyse(void *hEngine, const uint8_t *pImg, int w, int h, HV_FACE_ATTR_S *pOut);
#endif
