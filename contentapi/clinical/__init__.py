"""Hospital systems: procedures found by clinical code and answered in the forms EHRs speak (HL7
Infobutton, FHIR R4, CDS Hooks 2.0). Plain Python; ``contentapi.web.clinical`` is the HTTP layer."""
