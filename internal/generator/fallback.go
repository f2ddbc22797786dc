package generator

import (
	"context"
	"errors"
	"fmt"
)

// Fallback asks Primary and, when it fails, Secondary. A nil Primary goes straight to
// Secondary, so a server without an external provider can still use one code path.
type Fallback struct {
	Primary, Secondary Generator
}

// Outcome is the answer of a Fallback with where it came from.
type Outcome struct {
	Questions []Question
	// Source is the Name of the generator that answered.
	Source string
	// PrimaryErr is Primary's error when Secondary answered in its place.
	PrimaryErr error
}

// Name implements Generator.
func (f Fallback) Name() string {
	if f.Primary == nil {
		return f.Secondary.Name()
	}
	return f.Primary.Name() + "+" + f.Secondary.Name()
}

// Generate implements Generator; use GenerateWithOutcome to learn which answered.
func (f Fallback) Generate(ctx context.Context, r Request) ([]Question, error) {
	o, err := f.GenerateWithOutcome(ctx, r)
	return o.Questions, err
}

// GenerateWithOutcome asks Primary, then Secondary if Primary failed. It does not fall
// back when ctx itself has ended: the caller has given up, and the secondary would
// only spend time on an answer nobody reads.
func (f Fallback) GenerateWithOutcome(ctx context.Context, r Request) (Outcome, error) {
	if f.Secondary == nil {
		return Outcome{}, errors.New("fallback generator: no secondary generator configured")
	}
	var primaryErr error
	if f.Primary != nil {
		qs, err := f.Primary.Generate(ctx, r)
		if err == nil {
			return Outcome{Questions: qs, Source: f.Primary.Name()}, nil
		}
		primaryErr = err
		if ctx.Err() != nil {
			return Outcome{}, fmt.Errorf("%s generator failed and the request ended: %w", f.Primary.Name(), err)
		}
	}
	qs, err := f.Secondary.Generate(ctx, r)
	if err != nil {
		if primaryErr != nil {
			return Outcome{PrimaryErr: primaryErr}, fmt.Errorf("both generators failed: %s: %w; %s: %w", f.Primary.Name(), primaryErr, f.Secondary.Name(), err)
		}
		return Outcome{}, fmt.Errorf("%s generator: %w", f.Secondary.Name(), err)
	}
	return Outcome{Questions: qs, Source: f.Secondary.Name(), PrimaryErr: primaryErr}, nil
}
