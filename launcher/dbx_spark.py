# placeholder: replaced by the launcher branch
import sys
sys.exit(1)
