"""``python -m profilewatch`` runs the command line."""
from .cli import main

main()
