// Package xclienttest holds loadgen's integration tests over xclient, apart so that loadgen's own tests do not depend on the balancing package.
package xclienttest
