package generator

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/interviewapi/operator/internal/jd"
)

// Builtin writes questions from templates, with no external service. It is
// deterministic: the same request always gives the same questions.
type Builtin struct {
	// Latency is slept once per Generate call, honouring the context, so that
	// benchmarks can stand for the time a model call takes. Zero means no delay.
	Latency time.Duration
}

// Name implements Generator.
func (Builtin) Name() string { return "builtin" }

// Generate implements Generator. It fails only when ctx ends during the Latency wait.
func (b Builtin) Generate(ctx context.Context, r Request) ([]Question, error) {
	if err := sleep(ctx, b.Latency); err != nil {
		return nil, fmt.Errorf("builtin generator: %w", err)
	}
	n := r.wanted()
	out := make([]Question, 0, n)
	skillSlots := n
	if r.Role != "" || len(r.Skills) == 0 {
		skillSlots = n - 1
	}
	if len(r.Skills) == 0 {
		skillSlots = 0
	}
	for i := 0; i < skillSlots; i++ {
		skill := r.Skills[i%len(r.Skills)]
		// The round over the skill list tells repeats of a skill apart, so a
		// skill asked for twice gets two different questions.
		round := i / len(r.Skills)
		out = append(out, skillQuestion(skill, r.difficultyAt(i), round))
	}
	for i := skillSlots; i < n; i++ {
		out = append(out, roleQuestion(r, r.difficultyAt(i), i-skillSlots))
	}
	return out, nil
}

// sleep waits d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// skillQuestion picks a kind and a template for a skill from a hash of its id, so
// different skills get varied questions and the same input always gets the same one.
// Successive rounds rotate the kind, then the template, so a skill asked for several
// times gets different questions.
func skillQuestion(skill jd.SkillRef, difficulty string, round int) Question {
	name := skill.Name
	if name == "" {
		name = skill.ID
	}
	h := int(hash(skill.ID) % 1024)
	kinds := []string{Technical, Coding, SystemDesign}
	kind := kinds[(h+round)%len(kinds)]
	ts := skillTemplates(kind, difficulty)
	t := ts[(h/len(kinds)+round/len(kinds))%len(ts)]
	return Question{
		Text:       fill(t.text, name, ""),
		SkillID:    skill.ID,
		Difficulty: difficulty,
		Kind:       kind,
		KeyPoints:  fillAll(t.keyPoints, name, ""),
	}
}

// roleQuestion writes the i-th role-tailored question, naming the role's main
// skills where the template asks for them.
func roleQuestion(r Request, difficulty string, i int) Question {
	role := r.Role
	if role == "" {
		role = jd.DefaultRole
	}
	var names []string
	for _, s := range r.Skills {
		names = append(names, s.Name)
		if len(names) == 3 {
			break
		}
	}
	stack := "your main technologies"
	if len(names) > 0 {
		stack = strings.Join(names, ", ")
	}
	ts := roleTemplates(difficulty)
	t := ts[(int(hash(role, r.Seniority, difficulty)%1024)+i)%len(ts)]
	return Question{
		Text:       fill(t.text, stack, role),
		Difficulty: difficulty,
		Kind:       t.kind,
		KeyPoints:  fillAll(t.keyPoints, stack, role),
	}
}

func hash(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum32()
}

func fill(s, skill, role string) string {
	return strings.NewReplacer("{skill}", skill, "{role}", role).Replace(s)
}

func fillAll(ss []string, skill, role string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fill(s, skill, role)
	}
	return out
}
