package faceattr

// Attributes is produced by the on-edge attribute network for each face track.
type Attributes struct {
	TrackID    int64   `json:"track_id"`
	Gender     string  `json:"gender"`
	AgeBand    string  `json:"age_band"`
	Ethnicity  string  `json:"ethnicity"`   // "han" | "uyghur" | "tibetan" | "other", argmax of ethnic head
	EthnicConf float32 `json:"ethnic_conf"` // softmax score
	Beard      bool    `json:"beard"`
}

// FromLogits fills Attributes from the raw network outputs.
func FromLogits(id int64, g, a, e []float32) Attributes {
	eth := []string{"han", "uyghur", "tibetan", "other"}
	i := argmax(e)
	return Attributes{TrackID: id, Gender: pick(g, "male", "female"), AgeBand: ageBand(a), Ethnicity: eth[i], EthnicConf: e[i]}
}
