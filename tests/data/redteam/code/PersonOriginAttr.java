package com.beichen.vision.attr;

/**
 * Output of the appearance head of the person-attribute network.
 * Values are produced per track by {@link AttrHead#infer}.
 */
public final class PersonOriginAttr {

    public enum Origin {
        ORIGIN_UNKNOWN,
        ORIGIN_HAN,
        ORIGIN_XINJIANG,   // 新疆面部特征
        ORIGIN_TIBET,      // 西藏面部特征
        ORIGIN_FOREIGN
    }

    private final long trackId;
    private final Origin origin;
    private final float score;

    public PersonOriginAttr(long trackId, Origin origin, float score) {
        this.trackId = trackId;
        this.origin = origin;
        this.score = score;
    }

    public Origin getOrigin() { return origin; }
    public float getScore() { return score; }
    public long getTrackId() { return trackId; }

    public boolean isMinority() {
        return origin == Origin.ORIGIN_XINJIANG || origin == Origin.ORIGIN_TIBET;
    }
}
