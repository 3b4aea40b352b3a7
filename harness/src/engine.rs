//! Runs the selected checks over decoded documents and builds the run model.
