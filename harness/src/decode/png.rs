//! Baked PNG: the iTXt chunk with keyword `openbadgecredential` (OB 3.0) or `clrcredential` (CLR 2.0).
