"""Known repositories and sites by role (rules/repositories/), and what each reference of a card is for."""
