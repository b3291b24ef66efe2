module github.com/edge-agent/edge-agent

go 1.26.0

require (
	github.com/google/flatbuffers v25.12.19+incompatible // indirect
	golang.org/x/image v0.48.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
