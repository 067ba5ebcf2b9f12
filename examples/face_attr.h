/* Example SDK header: face attribute result returned by the camera. */
#ifndef XS_FACE_ATTR_H
#define XS_FACE_ATTR_H

typedef enum {
    XS_NATION_UNKNOWN = 0,
    XS_NATION_HAN     = 1,
    XS_NATION_UYGUR   = 2,   /* 维族, predicted from the face */
} XS_NATION_TYPE;

typedef struct {
    unsigned char byAge;
    unsigned char bySex;
    unsigned char byGlasses;
    XS_NATION_TYPE emNation;   /* face attribute: nation (minzu) estimated by the algorithm */
} XS_FACE_ATTR;

#endif
