module github.com/edge-agent/edge-agent

go 1.26.0

require (
	github.com/google/flatbuffers v25.12.19+incompatible
	golang.org/x/image v0.48.0
)
