"""What every app shares, below them all: the errors that services raise."""
