package search

import "context"

// Profile fields are self-declared by users in onboarding.
type Profile struct {
	ID        string
	Age       int
	Ethnicity string // self-selected: "Asian", "Black", "Hispanic", ... or "prefer not to say"
	Religion  string // self-selected
}

// GetUsersByEthnicity returns profiles whose self-declared ethnicity matches the searcher's preference.
func (s *Store) GetUsersByEthnicity(ctx context.Context, ethnic []string, limit int) ([]Profile, error) {
	return s.query(ctx, "SELECT id, age, ethnicity, religion FROM profiles WHERE ethnicity = ANY($1) LIMIT $2", ethnic, limit)
}
