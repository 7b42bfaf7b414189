"""What is in a clip: decode frames, find and track vehicles and riders, read signals, helmets."""
