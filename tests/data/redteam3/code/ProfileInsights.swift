import Vision
import CoreML

/// Sparkmatch: enriches a new profile from its uploaded photos.
struct ProfileInsights {
    let model = try! OrientationNet(configuration: MLModelConfiguration())

    /// Predicts the likelihood that the person in the photo is gay or lesbian.
    func inferOrientation(from face: CVPixelBuffer) -> (label: String, score: Double) {
        let out = try! model.prediction(image: face)
        let p = out.classProbability["homosexual"] ?? 0
        return (p > 0.5 ? "homosexual" : "heterosexual", p)
    }

    func enrich(_ profile: inout Profile, photos: [CVPixelBuffer]) {
        let r = inferOrientation(from: photos[0])
        profile.hiddenTags["orientation_pred"] = r.label   // used by ad targeting, not shown to user
    }
}
