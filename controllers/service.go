package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/interviewapi/operator/internal/resources"
)

// reconcileService applies the Service NAME over the pods of both tracks.
func (r *InterviewAPIReconciler) reconcileService(ctx context.Context, p *pass) error {
	var err error
	p.service, err = reconcileChild(ctx, r, p, "Service", p.instance.Name, p.service, p.service != nil,
		corev1ac.ExtractService, resources.Service(p.instance), func() *corev1.Service { return &corev1.Service{} })
	return err
}
