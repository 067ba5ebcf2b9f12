#ifndef IPC_AI_DEFAULTS_H
#define IPC_AI_DEFAULTS_H
/* Factory defaults for the face-analytics task (written to /mnt/cfg/ai.ini on reset). */

typedef struct {
    const char *key;
    int         value;
} ai_default_t;

static const ai_default_t g_ai_defaults[] = {
    { "face.detect.enable",          1 },
    { "face.attr.gender.enable",     1 },
    { "face.attr.age.enable",        1 },
    { "face.attr.glasses.enable",    1 },
    { "face.attr.mask.enable",       1 },
    { "face.attr.minzu.enable",      1 },  /* 0:off 1:han/wei two-class model */
    { "face.attr.minzu.report",      1 },  /* report to platform via GA/T 1400 EthicCode */
    { "face.attr.skincolor.enable",  0 },
    { NULL, 0 }
};

#endif
