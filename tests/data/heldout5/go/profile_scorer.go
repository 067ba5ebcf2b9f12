package scorer

import "context"

// InferredTraits are produced by the vision model from profile photos.
type InferredTraits struct {
	AgeEstimate        int     `json:"age_estimate"`
	SexualOrientation  string  `json:"sexual_orientation"` // "hetero", "homo", "bi"
	OrientationConf    float64 `json:"orientation_conf"`
}

func (s *Scorer) Enrich(ctx context.Context, userID string, photos [][]byte) error {
	t, err := s.vision.Infer(ctx, photos)
	if err != nil {
		return err
	}
	return s.store.SaveTraits(ctx, userID, InferredTraits{
		AgeEstimate: t.Age, SexualOrientation: t.Orientation, OrientationConf: t.Conf,
	})
}
