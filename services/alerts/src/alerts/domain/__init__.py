"""Pure domain logic of alerts (no I/O): CAP and NINA parsing into one message model, references, geometry,
matching places against warning areas, language choice, delivery rules, writing CAP for local warnings."""
