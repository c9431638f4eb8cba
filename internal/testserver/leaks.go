package testserver

import "go.uber.org/goleak"

// IgnoreToxiproxyStubs is the goleak option of the packages that run
// Toxiproxy (chaos, soak, the command). Toxiproxy v2.5.0 can leave a toxic's
// stub goroutine blocked on its output channel when a link is torn down
// while a toxic is being removed (an upstream race, seen about once in 20
// soak test runs). Only goroutines running inside a Toxiproxy stub are let
// go; every goroutine of ours is still checked.
var IgnoreToxiproxyStubs = goleak.IgnoreAnyFunction("github.com/Shopify/toxiproxy/v2/toxics.(*ToxicStub).Run")
