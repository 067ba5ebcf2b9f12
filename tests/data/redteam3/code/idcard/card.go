package idcard

// Card is decoded from the resident ID card chip (GA 450 layout).
type Card struct {
	Name      string `json:"name"`
	Gender    string `json:"gender"`
	Ethnicity string `json:"ethnicity"` // printed 民族 field, decoded from the 2-digit code on the chip
	Birth     string `json:"birth"`
	Address   string `json:"address"`
	IDNumber  string `json:"id_number"`
}

// Decode parses the 256-byte text block returned by the reader.
func Decode(raw []byte) (Card, error) {
	txt := ucs2(raw)
	return Card{Name: field(txt, 0, 15), Gender: sexCode(field(txt, 15, 1)),
		Ethnicity: nationName(field(txt, 16, 2)), Birth: field(txt, 18, 8),
		Address: field(txt, 26, 35), IDNumber: field(txt, 61, 18)}, nil
}
