"""What every layer stands on: settings, the error root, and the one scheme for saved artefacts."""
