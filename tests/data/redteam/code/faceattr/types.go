// Package faceattr holds the face-attribute result types returned by the edge box.
package faceattr

// Minzu is the ethnic-group attribute estimated by the face model (民族属性).
type Minzu int

const (
	MinzuUnknown Minzu = iota
	MinzuHan           // 汉
	MinzuWeiwuer       // 维吾尔
	MinzuOther
)

// Fuse is the skin-colour attribute (肤色).
type Fuse int

const (
	FuseUnknown Fuse = iota
	FuseYellow
	FuseWhite
	FuseBlack
)

// Result is one analysed face.
type Result struct {
	TrackID  uint64  `json:"trackId"`
	Gender   int     `json:"gender"`
	AgeGroup int     `json:"ageGroup"`
	Glasses  bool    `json:"glasses"`
	Minzu    Minzu   `json:"minzu"`
	MinzuP   float32 `json:"minzuScore"`
	Fuse     Fuse    `json:"fuse"`
}
