"""A runnable excise-registry simulator speaking the same REST API as the real one."""

from integrations.registry.simulator.app import DEFAULT_API_KEY, DEFAULT_SEED, create_simulator
from integrations.registry.simulator.faults import FaultConfig
from integrations.registry.simulator.server import run_in_thread

__all__ = ["DEFAULT_API_KEY", "DEFAULT_SEED", "FaultConfig", "create_simulator", "run_in_thread"]
