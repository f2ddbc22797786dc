package store

import (
	"context"
	"sync/atomic"

	"github.com/interviewapi/operator/internal/poolstats"
)

// InsertSessionFunc stores a session's header (SQLInsertSession with sessionArgs) and
// its questions (SQLInsertSessionQuestions with questionArgs) so that both commit
// together or neither does.
type InsertSessionFunc func(ctx context.Context, sessionArgs, questionArgs []any) error

// Engine is the part of a Store that the two engines share; each embeds it. It holds
// the settings and recorder the engine was opened with, the counts of connections the
// engine closed itself, the pool upkeep to stop on Close, the record of its warm-up
// (WarmUp, fed by ConfigureConnections' tracer), and the Store methods written
// once over the engine's own QueryFunc and InsertSessionFunc. What really differs
// between the engines — how long a connection is held and whether statements travel in
// one batch — stays in those two functions and in each engine's run (see
// docs/architecture.md, "how long a connection is held").
type Engine struct {
	ListQueries // SkillAliases, BankQuestions, Bank, SchemaVersion

	Settings PoolSettings
	Rec      *poolstats.Recorder
	Closed   ClosedCounters

	insertSession InsertSessionFunc
	stopUpkeep    func()
	warm          *WarmUp
}

// ClosedCounters count the connections an engine closed on its own account, by reason,
// for the pool metrics (poolstats.ClosedCounts); what the driver counts is added there.
type ClosedCounters struct {
	Lifetime, Idle, Broken atomic.Uint64
}

// NewEngine returns the shared part of an engine opened with settings and rec, whose
// list queries run on query and whose sessions are stored by insert.
func NewEngine(settings PoolSettings, rec *poolstats.Recorder, query QueryFunc, insert InsertSessionFunc) Engine {
	return Engine{
		ListQueries:   ListQueries{Query: query},
		Settings:      settings,
		Rec:           rec,
		insertSession: insert,
		stopUpkeep:    func() {},
		warm:          NewWarmUp(settings.Size),
	}
}

// WarmUp implements Store.WarmUp.
func (e *Engine) WarmUp() WarmUpProgress { return e.warm.Progress() }

// WarmedUp implements Store.WarmedUp.
func (e *Engine) WarmedUp() <-chan struct{} { return e.warm.Done() }

// GiveUpWarmUp ends a running warm-up for a reason the connect tracer does not see,
// such as a checkout that timed out.
func (e *Engine) GiveUpWarmUp(err error) { e.warm.GiveUp(err) }

// CreateSession implements Store.CreateSession: the rows are encoded once here, before
// any connection is checked out, and stored by the engine's InsertSessionFunc.
func (e *Engine) CreateSession(ctx context.Context, sn Session) error {
	sessionArgs, questionArgs, err := CreateSessionArgs(sn)
	if err != nil {
		return err
	}
	return e.insertSession(ctx, sessionArgs, questionArgs)
}

// StartUpkeep starts the pool upkeep (StartPoolUpkeep) that StopUpkeep ends.
func (e *Engine) StartUpkeep(warmUp func(context.Context), sample func() (idle, open int), closeIdle func(n int)) {
	e.stopUpkeep = StartPoolUpkeep(e.Settings, warmUp, sample, closeIdle)
}

// StopUpkeep ends the pool upkeep; an engine calls it first in Close.
func (e *Engine) StopUpkeep() { e.stopUpkeep() }
