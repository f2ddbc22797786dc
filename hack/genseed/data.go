package main

// Bank returns every skill of the seed with its questions, grouped by area. The
// questions are original; each names what a complete answer covers in 3 to 6 key
// points, which the scorer matches against answers.
func Bank() []Skill {
	var out []Skill
	for _, area := range [][]Skill{
		languageSkills(),
		backendSkills(),
		dataStoreSkills(),
		frontendSkills(),
		devopsSkills(),
		mobileSkills(),
		mlSkills(),
		securitySkills(),
		practiceSkills(),
	} {
		out = append(out, area...)
	}
	return out
}
