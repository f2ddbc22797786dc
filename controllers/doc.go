// Package controllers holds the InterviewAPI reconciler: it observes the instance and its
// children, decides what to change, and applies that change.
package controllers
