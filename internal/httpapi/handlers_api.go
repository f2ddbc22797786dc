package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/interviewapi/operator/internal/httpapi/request"
	"github.com/interviewapi/operator/internal/service"
)

type handlers struct{ deps Deps }

// requireSchema answers 503 until the migrations are applied: before that every query
// would fail on a missing table.
func (h *handlers) requireSchema(c *gin.Context) {
	if err := h.deps.Lifecycle.SchemaReady(); err != nil {
		respondError(c, h.deps.Log, &notReadyError{code: "schema_not_ready", message: err.Error()})
		return
	}
	c.Next()
}

// parseJD serves POST /api/v1/parse-jd.
func (h *handlers) parseJD(c *gin.Context) {
	var req request.ParseJD
	if err := request.Decode(c.Writer, c.Request, &req); err != nil {
		respondError(c, h.deps.Log, err)
		return
	}
	in := service.ParseJDInput{JobDescription: req.JobDescription, NumQuestions: service.DefaultNumQuestions, Difficulty: req.Difficulty}
	if req.NumQuestions != nil {
		in.NumQuestions = *req.NumQuestions
	}
	sess, err := h.deps.Service.ParseJD(contextOf(c), in)
	if err != nil {
		respondError(c, h.deps.Log, err)
		return
	}
	c.Header("Location", "/api/v1/sessions/"+sess.ID)
	c.JSON(http.StatusCreated, toSessionJSON(sess))
}

// analyzeAnswer serves POST /api/v1/analyze-answer.
func (h *handlers) analyzeAnswer(c *gin.Context) {
	var req request.AnalyzeAnswer
	if err := request.Decode(c.Writer, c.Request, &req); err != nil {
		respondError(c, h.deps.Log, err)
		return
	}
	a, err := h.deps.Service.AnalyzeAnswer(contextOf(c), service.AnalyzeInput{
		SessionID: req.SessionID, QuestionID: req.QuestionID, Answer: req.Answer,
	})
	if err != nil {
		respondError(c, h.deps.Log, err)
		return
	}
	c.JSON(http.StatusCreated, toAnalysisJSON(a, false))
}

// session serves GET /api/v1/sessions/:id.
func (h *handlers) session(c *gin.Context) {
	d, err := h.deps.Service.Session(contextOf(c), c.Param("id"))
	if err != nil {
		respondError(c, h.deps.Log, err)
		return
	}
	c.JSON(http.StatusOK, toSessionDetailJSON(d))
}

// services serves GET /api/v1/services.
func (h *handlers) services(c *gin.Context) {
	c.JSON(http.StatusOK, h.deps.Service.Services(contextOf(c)))
}
