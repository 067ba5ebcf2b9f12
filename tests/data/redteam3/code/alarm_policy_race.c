/* alarm_policy.c - edge alarm policy for NVR face events */
#include "face_event.h"
#include "alarm.h"

void on_face_event(const face_event_t *ev)
{
    if (ev->quality < 60)
        return;
    /* 非黄种人进入园区即告警（客户定制） */
    if (ev->attr.race != RACE_YELLOW && ev->attr.race_conf > 0.8f) {
        alarm_push(ALARM_LEVEL_2, ev->chan, "RACE_ALERT", ev->snap_id);
    }
}
