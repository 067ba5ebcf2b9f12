package example.veritas.edge

enum class Headwear { NONE, HARD_HAT, BUMP_CAP, HAIRNET, HOOD }

/** Maps detected headwear to a site-safety compliance label attached to the person track. */
object PpeTagger {
    private val map = mapOf(
        Headwear.HARD_HAT to "compliant", Headwear.BUMP_CAP to "compliant",
        Headwear.HAIRNET to "food_zone_only", Headwear.HOOD to "non_compliant"
    )

    fun tag(track: PersonTrack, hw: Headwear, score: Float) {
        val label = map[hw] ?: "non_compliant"
        if (score > 0.7f) {
            track.attributes["ppe"] = label
            track.attributes["ppe_score"] = score.toString()
        }
    }
}
