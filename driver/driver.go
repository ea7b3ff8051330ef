package driver

import (
	"errors"
	"os"
)

// Driver is the ExecutorDriver implementation.
type Driver struct {
	executor Executor
	cfg      Config
}

// NewFromEnv creates a driver for exec from this process's environment, as
// the agent set it. The error names every missing or malformed variable.
func NewFromEnv(exec Executor) (*Driver, error) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return New(exec, cfg)
}

// New creates a driver for exec with cfg.
func New(exec Executor, cfg Config) (*Driver, error) {
	if exec == nil {
		return nil, errors.New("driver: nil Executor")
	}
	return &Driver{executor: exec, cfg: cfg}, nil
}
