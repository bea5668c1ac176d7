import sys
from pathlib import Path

# The sample service is a package beside these tests, imported like an installed service.
sys.path.insert(0, str(Path(__file__).parent))
