#include "attr_detect.h"

/* 维族属性: 0 未知 1 维族 2 非维族 */
int attr_detect_uygur(const face_t *face, attr_result_t *res)
{
    float p = model_forward(g_uygur_model, face->aligned, FACE_SIZE);
    if (p < 0.0f) { res->uygur = 0; return -1; }
    res->uygur = (p > 0.6f) ? 1 : 2;
    res->uygur_conf = p;
    return 0;
}
