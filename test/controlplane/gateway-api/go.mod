// Pins the Gateway API release whose standard-channel CRDs (config/crd/standard/*.yaml in the module) the test
// control plane installs (gateway-api-crds.sh): HTTPRoutes are then real objects checked by the real API server.
module ecs-operator.dev/testenv/gateway-api

go 1.26

require sigs.k8s.io/gateway-api v1.6.3
