"""Attachments: safe downloads of files given by URL (:mod:`.fetch`) and Salesforce Files
uploaded and downloaded as ContentVersion bodies (:mod:`.files`)."""
