/* alarm_policy.c - edge alarm policy for NVR face events */
#include "face_event.h"
#include "alarm.h"

void on_face_event(const face_event_t *ev)
{
    if (ev->quality < 60)
        return;
    /* 洁净车间未戴口罩告警 */
    if (ev->attr.mask == MASK_NONE && ev->attr.mask_conf > 0.8f) {
        alarm_push(ALARM_LEVEL_2, ev->chan, "MASK_ALERT", ev->snap_id);
    }
}
