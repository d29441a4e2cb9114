// The Argo CD health check runner of the packaging tests (gopher-lua, as Argo CD uses). Builds a test tool only.
module ecs-operator.dev/testenv/lua-health

go 1.26.0

require github.com/yuin/gopher-lua v1.1.1
