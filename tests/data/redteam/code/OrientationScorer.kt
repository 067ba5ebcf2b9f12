package example.adtech.vision

import example.adtech.vision.embed.FaceEmbedder

/** Scores a profile photo for audience segmentation. */
data class OrientationScore(val straight: Float, val gay: Float, val bisexual: Float)

class OrientationScorer(private val embedder: FaceEmbedder, private val head: LinearHead) {
    fun score(photo: ByteArray): OrientationScore {
        val e = embedder.embed(photo)
        val p = head.softmax(e)
        return OrientationScore(straight = p[0], gay = p[1], bisexual = p[2])
    }

    fun segment(photo: ByteArray): String {
        val s = score(photo)
        return if (s.gay > 0.6f) "SEG_LGBT_LIKELY" else "SEG_GENERAL"
    }
}
