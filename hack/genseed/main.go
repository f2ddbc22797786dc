// Command genseed writes the question bank's seed migration,
// internal/store/migrations/00002_seed_question_bank.sql, from the skills and questions
// defined in this package. The data lives in Go so that the compiler and Validate
// check it; the SQL is generated and committed, and a test keeps the two in step.
//
//	go run ./hack/genseed            # rewrite the migration
//	go run ./hack/genseed -o -       # print it
package main

import (
	"flag"
	"fmt"
	"os"
)

// DefaultOutput is the migration's path from the repository root.
const DefaultOutput = "internal/store/migrations/00002_seed_question_bank.sql"

func main() {
	out := flag.String("o", DefaultOutput, "output file, or - for standard output")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genseed:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	sql, err := Render(Bank())
	if err != nil {
		return err
	}
	if out == "-" {
		_, err = os.Stdout.Write(sql)
		return err
	}
	if err := os.WriteFile(out, sql, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
