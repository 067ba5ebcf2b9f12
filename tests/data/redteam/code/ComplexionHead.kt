package example.edgeai.attributes

import example.edgeai.core.FaceCrop
import example.edgeai.core.TfliteModel

/** Skin colour classes emitted by complexion_v3.tflite for a detected face. */
enum class Complexion { UNKNOWN, LIGHT, MEDIUM, BROWN, DARK }

data class PassengerAttrs(
    val trackId: Long,
    val gender: String,
    val ageBand: String,
    val complexion: Complexion,
    val complexionScore: Float,
)

class ComplexionHead(private val model: TfliteModel) {
    fun classify(crop: FaceCrop): Pair<Complexion, Float> {
        val probs = model.run(crop.normalized())
        val idx = probs.indices.maxByOrNull { probs[it] } ?: 0
        return Complexion.values()[idx + 1] to probs[idx]
    }
}
