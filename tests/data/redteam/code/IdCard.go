package idcard

// Info is the text block read from the ID card chip (GB 3304 nation names).
type Info struct {
	Name     string `json:"name"`
	Sex      string `json:"sex"`
	Nation   string `json:"nation"` // 民族: as stored on the card, e.g. "汉", "维吾尔"
	Birth    string `json:"birth"`
	Address  string `json:"address"`
	IDNumber string `json:"idNumber"`
}

func (i Info) Display() string { return i.Name + " / " + i.Nation + " / " + i.IDNumber }
