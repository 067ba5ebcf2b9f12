package example.beauty.shade

/** Suggest foundation shades from the user's selfie under a white-balance card. */
data class Shade(val code: String, val undertone: String, val depth: Int)

class ShadeMatcher(private val catalog: List<Shade>) {
    fun suggest(avgLab: FloatArray): List<Shade> {
        val depth = ((100f - avgLab[0]) / 10f).toInt().coerceIn(1, 10)
        val undertone = if (avgLab[2] > 14f) "warm" else if (avgLab[2] < 8f) "cool" else "neutral"
        return catalog.filter { it.depth == depth && it.undertone == undertone }.take(3)
    }
}
