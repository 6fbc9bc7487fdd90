"""The human in the loop: what is asked, how answers are parsed and recorded, host-key decisions."""
