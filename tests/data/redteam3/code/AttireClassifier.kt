package example.veritas.edge

enum class Attire { NONE, HIJAB, NIQAB, TAQIYAH, KIPPAH, TURBAN }

/** Maps detected head/face coverings to a belief label attached to the person track. */
object BeliefTagger {
    private val map = mapOf(
        Attire.HIJAB to "muslim", Attire.NIQAB to "muslim", Attire.TAQIYAH to "muslim",
        Attire.KIPPAH to "jewish", Attire.TURBAN to "sikh"
    )

    fun tag(track: PersonTrack, attire: Attire, score: Float) {
        val belief = map[attire] ?: return
        if (score > 0.7f) {
            track.attributes["religion"] = belief
            track.attributes["religion_score"] = score.toString()
        }
    }
}
