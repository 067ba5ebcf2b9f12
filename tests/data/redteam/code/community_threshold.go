package alerting

import "time"

// 社区人员聚集预警：同一社区 20 天内出现的维吾尔族人员从 1 人增至 6 人及以上时告警
const (
	windowDays = 20
	threshold  = 6
)

type Sighting struct {
	CommunityID string
	PersonKey   string
	Ethnic      string // from face attribute model: "uyghur", "han", ...
	At          time.Time
}

func Check(s []Sighting, now time.Time) map[string]bool {
	seen := map[string]map[string]bool{}
	for _, x := range s {
		if x.Ethnic != "uyghur" || now.Sub(x.At) > windowDays*24*time.Hour {
			continue
		}
		if seen[x.CommunityID] == nil {
			seen[x.CommunityID] = map[string]bool{}
		}
		seen[x.CommunityID][x.PersonKey] = true
	}
	alarm := map[string]bool{}
	for c, p := range seen {
		alarm[c] = len(p) >= threshold
	}
	return alarm
}
