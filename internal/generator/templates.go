package generator

// template is a question with placeholders: {skill} is the skill's name (or, in role
// templates, the role's main skills) and {role} the role title.
type template struct {
	kind      string // set for role templates; skill templates take the kind asked for
	text      string
	keyPoints []string
}

// skillTemplates returns the templates for a kind and difficulty. Every template has
// at least three key points, which the scorer checks answers against.
func skillTemplates(kind, difficulty string) []template {
	switch kind + "/" + difficulty {
	case Technical + "/" + Easy:
		return []template{
			{text: "What problem does {skill} solve, and when would you reach for it on a project?",
				keyPoints: []string{"the core problem {skill} addresses", "a typical use case", "a situation where {skill} is not the right tool"}},
			{text: "Explain the basic building blocks of {skill} to a colleague who has never used it.",
				keyPoints: []string{"the main concepts of {skill}", "how the pieces fit together", "a small example of using them"}},
			{text: "What are the most common mistakes beginners make with {skill}, and how do you avoid them?",
				keyPoints: []string{"at least two concrete mistakes", "why each mistake causes problems", "a practice or tool that prevents them"}},
		}
	case Technical + "/" + Medium:
		return []template{
			{text: "Compare {skill} with an alternative you have used. What trade-offs would make you pick one over the other?",
				keyPoints: []string{"a named alternative to {skill}", "performance or scalability differences", "differences in complexity and learning curve", "a decision rule for choosing"}},
			{text: "How do you test and debug code or configuration that relies on {skill}?",
				keyPoints: []string{"the testing approach and tools", "how to reproduce failures locally", "observability: logs, metrics or tracing", "how to keep tests fast and reliable"}},
			{text: "What does {skill} do under the hood when it handles a typical request or operation?",
				keyPoints: []string{"the internal steps of an operation", "where state or data is kept", "the cost of the expensive steps", "how this knowledge changes how you use {skill}"}},
		}
	case Technical + "/" + Hard:
		return []template{
			{text: "Describe the failure modes of {skill} in production. How do you detect them, and how do you recover?",
				keyPoints: []string{"at least two realistic failure modes", "how each failure is detected", "mitigation and recovery steps", "how to prevent a recurrence"}},
			{text: "What limits the performance of {skill} at scale, and how would you push past those limits?",
				keyPoints: []string{"the main bottleneck and why it occurs", "how to measure it", "concrete tuning or architectural changes", "the trade-offs of those changes"}},
			{text: "Which advanced features or internals of {skill} have mattered most in your work, and why?",
				keyPoints: []string{"a specific advanced feature or internal mechanism", "the problem it solved", "its limitations or pitfalls", "how it compares to a simpler approach"}},
		}
	case Coding + "/" + Easy:
		return []template{
			{text: "Using {skill}, write a small function or snippet that reads a list of records, filters out invalid ones and returns the rest. Walk through your code.",
				keyPoints: []string{"working code in {skill}", "a clear definition of an invalid record", "handling of empty input", "a short test or example call"}},
			{text: "Show how you would handle errors in a short {skill} program that reads a file or calls a service.",
				keyPoints: []string{"idiomatic error handling in {skill}", "useful error messages with context", "releasing resources on failure", "a test of the failure path"}},
		}
	case Coding + "/" + Medium:
		return []template{
			{text: "Implement a small in-memory cache with expiry using {skill}. Explain your data structures and their complexity.",
				keyPoints: []string{"a working implementation in {skill}", "the choice of data structures", "expiry and eviction logic", "time and space complexity", "concurrency or thread-safety considerations"}},
			{text: "Write code in {skill} that processes a large input in batches without loading it all into memory. How do you test it?",
				keyPoints: []string{"streaming or batched processing", "bounded memory use", "error handling for a failed batch", "tests with small and large inputs"}},
		}
	case Coding + "/" + Hard:
		return []template{
			{text: "Using {skill}, implement a rate limiter that allows N operations per second per client. Discuss correctness under concurrency.",
				keyPoints: []string{"an algorithm such as token bucket or sliding window", "working code in {skill}", "correct behaviour under concurrent calls", "memory growth with many clients", "how you would test timing behaviour"}},
			{text: "Refactor a slow {skill} code path you know well: show the before and after, and how you proved the change was faster and still correct.",
				keyPoints: []string{"a profile or measurement that found the bottleneck", "the code change itself", "a benchmark comparing before and after", "tests that guard correctness"}},
		}
	case SystemDesign + "/" + Easy:
		return []template{
			{text: "Sketch a small service that uses {skill}. What are its main components and how do they talk to each other?",
				keyPoints: []string{"the main components", "how data flows between them", "where {skill} fits", "how the service is deployed"}},
			{text: "How would you set up a new project that uses {skill} so that a team can work on it comfortably?",
				keyPoints: []string{"project layout and conventions", "local development setup", "automated tests and CI", "documentation for newcomers"}},
		}
	case SystemDesign + "/" + Medium:
		return []template{
			{text: "Design a feature that uses {skill} and must serve ten times today's traffic. What changes, and what do you monitor?",
				keyPoints: []string{"the components and their responsibilities", "how the design scales horizontally", "caching or data partitioning", "the metrics and alerts to watch", "the main trade-offs"}},
			{text: "How would you roll out a risky change to a system built on {skill} without downtime?",
				keyPoints: []string{"a gradual rollout strategy such as canary or feature flags", "backward-compatible data or API changes", "the signals that decide promotion or rollback", "a tested rollback path"}},
		}
	case SystemDesign + "/" + Hard:
		return []template{
			{text: "Design a highly available, multi-region system whose core relies on {skill}. How do you handle consistency, failover and cost?",
				keyPoints: []string{"the architecture across regions", "the consistency model and its trade-offs", "failover detection and recovery", "capacity planning and cost", "how the design is tested for failure"}},
			{text: "A system built on {skill} is degrading under load and nobody knows why. How do you investigate and what long-term design changes would you propose?",
				keyPoints: []string{"a systematic investigation using metrics and traces", "likely bottlenecks specific to {skill}", "short-term mitigation", "longer-term architectural changes", "how to verify the fix"}},
		}
	}
	return skillTemplates(Technical, Medium)
}

// roleTemplates returns the role-tailored templates for a difficulty.
func roleTemplates(difficulty string) []template {
	switch difficulty {
	case Easy:
		return []template{
			{kind: Behavioral, text: "What drew you to working as a {role}, and which part of the job do you enjoy most?",
				keyPoints: []string{"genuine motivation for the role", "a concrete example from past work or study", "how you keep learning in the field"}},
			{kind: Behavioral, text: "Tell us about a project where you used {skill}. What was your part in it, and how does it prepare you to work as a {role}?",
				keyPoints: []string{"the project's goal", "your own contribution", "what you learned", "the outcome", "how the experience relates to the role"}},
		}
	case Hard:
		return []template{
			{kind: SystemDesign, text: "As a {role}, you inherit a critical system built on {skill} with no documentation and frequent incidents. What do you do in your first 90 days?",
				keyPoints: []string{"how you learn the system and its risks", "stabilising it: incidents, monitoring, quick wins", "a prioritised plan for longer-term fixes", "how you bring the team and stakeholders along", "how you measure progress"}},
			{kind: Behavioral, text: "As a {role}, describe a high-stakes technical decision you made with incomplete information. How did it turn out?",
				keyPoints: []string{"the context and why the decision mattered", "the options and trade-offs considered", "how you reduced risk", "the outcome and what you would change"}},
		}
	default:
		return []template{
			{kind: Behavioral, text: "Describe a time as a {role} when you disagreed with a teammate about a technical approach. How was it resolved?",
				keyPoints: []string{"the situation and the disagreement", "how you argued your position with evidence", "how you listened and reached a decision", "the result and what you learned"}},
			{kind: Behavioral, text: "Tell us about the most difficult bug or incident you handled as a {role}. How did you find the cause?",
				keyPoints: []string{"the symptoms and their impact", "the investigation steps", "the root cause", "the fix and how you prevented a recurrence"}},
			{kind: SystemDesign, text: "As a {role}, how would you plan a new feature end to end with {skill}, from requirements to production?",
				keyPoints: []string{"clarifying requirements", "design and technology choices", "testing and review", "release and monitoring"}},
		}
	}
}
