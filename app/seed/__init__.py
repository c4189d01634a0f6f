"""Generated data at the sizes Enshu must serve (`flask seed scale`): bulk rows valid by the app's rules."""
