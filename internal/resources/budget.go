package resources

import (
	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// SurgeFits reports whether pods running pool, plus the connections others already
// hold, stay within spec.database.maxServerConnections when the rolling update adds
// its one extra pod. Without a budget there is nothing to break.
func SurgeFits(in *iapiv1alpha1.InterviewAPI, pods int32, pool iapiv1alpha1.PoolSpec, otherConnections int64) bool {
	budget := in.Spec.Database.MaxServerConnections
	if budget == nil {
		return true
	}
	return otherConnections+int64(pods+1)*int64(pool.MaxConnections()) <= int64(*budget)
}
